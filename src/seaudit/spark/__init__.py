"""Apache Spark as a second engine over the same stores: the filter compiled to Spark SQL,
the files of manifests (never directories) read as one DataFrame with the live tail beside
them, and the reports' SQL run on it. pyspark is imported only here, and only when
``--engine spark`` is asked for (the ``spark`` extra)."""
