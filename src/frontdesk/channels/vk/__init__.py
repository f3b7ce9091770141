"""VK community messages channel: Callback API webhook, replies with messages.send."""
