"""E-mail invitations: one per dossier, a one-time link sent by SMTP through the outbox."""
