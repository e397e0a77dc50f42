"""Alembic migrations, shipped inside the package so `hailong db upgrade` works anywhere."""
