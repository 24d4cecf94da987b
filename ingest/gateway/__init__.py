"""gateway: the intake gateway, the product's door for deliveries from outside.

An HTTP service (Starlette on uvicorn, ``jcw gateway serve``) that jobcenters reach over
the network: a push upload of the month's file, answered at once with the validation
feedback (:mod:`~ingest.gateway.intake`, :mod:`~ingest.gateway.feedback`), and signed notices
per the Standard Webhooks specification (:mod:`~ingest.gateway.notices`). It owns the
delivery keys and signing secrets (:mod:`~ingest.gateway.credentials`), the rate limit
(:mod:`~ingest.gateway.limits`), the record of every attempt (:mod:`~ingest.gateway.attempts`)
and the German refusals (:mod:`~ingest.gateway.refusals`). It is the only writer of the event
inbox (:func:`ingest.collect.events.announce`). The jobcenter staff's page
(:mod:`~ingest.gateway.page`, sessions in :mod:`~ingest.gateway.sessions`) signs in with the
delivery key, uploads through the same intake, lists the deliveries
(:mod:`~ingest.gateway.deliveries`) and hands out the XLSX template
(:mod:`~ingest.gateway.template`).

May import: :mod:`ingest.core`, :mod:`ingest.collect`, :mod:`ingest.validate` (the same
landing zone and the same rules as the pipeline), :mod:`ingest.notify` and, to read the
published snapshot, :mod:`ingest.warehouse`.
"""
