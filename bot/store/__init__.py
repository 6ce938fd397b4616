"""Stores: trackers, queue, locks and the event stream."""

from __future__ import annotations
