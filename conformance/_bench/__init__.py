"""``conformance bench``: how fast each runtime does the same work (the parent's side; what a bench body
reads is ``conformance._model.bench``)."""
