"""Translation memories, glossaries and matching: the core that knows nothing of HTTP or LLMs."""
