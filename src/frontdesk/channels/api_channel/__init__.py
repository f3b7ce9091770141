"""The API channel: an integrator's own system posts customer messages in (by an inbox token)
and receives agents' replies on its webhook URL, signed like outgoing webhooks.

(Named api_channel, not api: channels/api.py is the channels' router module.)"""
