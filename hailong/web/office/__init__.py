"""The office: pages for officials and ward staff (sign-in now; the rest in its own issue)."""
