"""What the service knows and decides: the in-memory snapshot and champion, scores,
histories, watch lists, regions and visits."""
