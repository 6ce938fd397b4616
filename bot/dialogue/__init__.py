"""Dialogue: domain, trackers, policies, forms and handover decisions."""

from __future__ import annotations
