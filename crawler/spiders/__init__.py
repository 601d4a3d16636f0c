"""The project's spiders: `site` crawls one source."""
