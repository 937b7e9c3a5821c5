"""Raw contract tables -> point-in-time feature table; the demo-data generator."""
