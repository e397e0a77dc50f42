"""Survey periods (đợt khảo sát) and quotas."""
