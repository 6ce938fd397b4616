"""Channel connectors: each turns one channel's messages into ``bot.channels.UserMessage``."""
