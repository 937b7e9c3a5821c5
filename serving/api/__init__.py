"""HTTP routers; the only place that turns domain results into HTTP responses."""
