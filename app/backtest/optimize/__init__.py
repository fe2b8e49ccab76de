"""The optimizer: every combination of parameter ranges through the same backtest engine.

:mod:`~app.backtest.optimize.grid` reads the ranges and makes the combinations,
:mod:`~app.backtest.optimize.runner` runs one combination on one stretch of
bars, :mod:`~app.backtest.optimize.engines` runs the jobs on a process pool or
a Ray cluster, :mod:`~app.backtest.optimize.results` ranks and writes them.
:func:`~app.backtest.optimize.session.optimize` ties them together for the
command line and the terminal's Optimizer dock.
"""
