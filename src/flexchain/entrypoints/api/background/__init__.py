"""The API server's runtime, started and stopped by the app's lifespan: it calls services, it is
not one (:mod:`.intake`: the webhook batcher and its applier processes; :mod:`.outbox`: the
outbox worker)."""
