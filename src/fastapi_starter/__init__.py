"""fastapi-starter: render an async, production-ready FastAPI project from a Copier template."""
