"""Scale out: ``Lake.ingest`` and ``Lake.import_quant360_archives`` on any
``concurrent.futures.Executor`` (a ``ProcessPoolExecutor`` for the cores of one machine,
``dask.distributed.Client(...).get_executor()`` for a cluster).

- :mod:`~pointline.v2.scaleout.tasks`: what is sent (plain data) and what runs in a worker;
- :mod:`~pointline.v2.scaleout.groups`: how files are cut into groups;
- :mod:`~pointline.v2.scaleout.driver`: the calling side of ``Lake.ingest``;
- :mod:`~pointline.v2.scaleout.archives`: the calling side of the archive import;
- :mod:`~pointline.v2.scaleout.executors`: the executors the CLI makes.

See ``docs/scale-out.md``.
"""
