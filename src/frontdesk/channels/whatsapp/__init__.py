"""WhatsApp Cloud API channel: webhook, replies, media, the 24-hour window and templates."""
