"""The handoff service's routes, one Sanic blueprint per area (registered by ``create_app``)."""
from handoff.routes import api, dashboard, inbox, login, public, review, scan_links, signals

BLUEPRINTS = (public.bp, api.bp, login.bp, inbox.bp, dashboard.bp, scan_links.bp, signals.bp, review.bp)
