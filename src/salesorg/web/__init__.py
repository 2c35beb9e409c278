"""The web face of salesorg: server-rendered pages and a JSON API over one store.

``create_app(db_path)`` builds the FastAPI app (``salesorg serve`` runs it with uvicorn);
``demo_users(store)`` makes one login per role for the demo company. See ``docs/web.md``.
"""

from __future__ import annotations

from salesorg.web.app import create_app
from salesorg.web.users import ROLES, User, add_user, demo_users, issue_token, list_users

__all__ = ["ROLES", "User", "add_user", "create_app", "demo_users", "issue_token", "list_users"]
