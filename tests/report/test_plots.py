"""Plots of measurements (conformance._report.plots): those the scenarios declare in ``PLOTS``, drawn
only where an input has the measurement, the same SVG for the same data."""

from __future__ import annotations

from collections.abc import Callable

from conformance._model.scenarios import PlottedMeasurement
from conformance._report.merge import Merged, merge
from conformance._report.plots import PlotSpec, make_plots, plot_specs
from conformance._report.samples import LINUX_311, SMALL_SUITE, catalog, cell, document

MergedOf = Callable[..., Merged]


def with_measurements(merged_of: MergedOf) -> Merged:
    cells = [cell("sockets.tcp_echo", r, measurements={"elapsed_ms": ms}, max_stall_ms=stall)
             for r, ms, stall in (("threads", 300.0, 2.0), ("gevent", 450.5, 3.0))]
    cells.append(cell("sockets.tcp_echo", "trio", "fail", "wrong"))
    return merged_of(("m", document(LINUX_311, cells)))


SPEC = PlotSpec("sockets.tcp_echo", "elapsed_ms", "time for all clients", "ms")
ABSENT = PlotSpec("dns.slow_lookup", "elapsed_ms", "time for all lookups", "ms")


def test_plots_only_for_measurements_the_inputs_have(merged_of: MergedOf) -> None:
    nothing = PlotSpec("sockets.tcp_echo", "nothing", "x", "ms")
    plots = make_plots(with_measurements(merged_of), [SPEC, ABSENT, nothing])
    assert [p.slug for p in plots] == ["sockets-tcp-echo-elapsed-ms"]
    plot = plots[0]
    assert plot.svg.lstrip().startswith("<?xml") and plot.inline_svg.startswith("<svg")
    assert "450 ms" in plot.svg or "451 ms" in plot.svg
    assert "no measurement (fail)" in plot.svg
    assert "threads on Linux: 300 ms" in plot.summary


def test_plots_are_the_same_for_the_same_data(merged_of: MergedOf) -> None:
    first = make_plots(with_measurements(merged_of), [SPEC])[0].svg
    second = make_plots(with_measurements(merged_of), [SPEC])[0].svg
    assert first == second


def test_max_stall_is_plotted_like_a_measurement(merged_of: MergedOf) -> None:
    stall = PlotSpec("sockets.tcp_echo", "max_stall_ms", "stall", "ms")
    plots = make_plots(with_measurements(merged_of), [stall])
    assert "3.00 ms" in plots[0].svg


def test_the_plots_are_those_the_scenarios_declare_in_the_order_of_their_ids() -> None:
    declared = {"sockets.tcp_echo": [PlottedMeasurement("elapsed_ms", "time for all clients", "ms"),
                                     PlottedMeasurement("max_stall_ms", "longest stall", "ms")],
                "dns.slow_lookup": [PlottedMeasurement("lookups_per_s", "lookups", "/s", "higher")]}
    scenarios = catalog(SMALL_SUITE, plots=declared)
    assert plot_specs(scenarios.values()) == (
        PlotSpec("dns.slow_lookup", "lookups_per_s", "lookups", "/s", "higher"),
        PlotSpec("sockets.tcp_echo", "elapsed_ms", "time for all clients", "ms"),
        PlotSpec("sockets.tcp_echo", "max_stall_ms", "longest stall", "ms"),
    )
    cells = [cell("sockets.tcp_echo", r, measurements={"elapsed_ms": ms}, max_stall_ms=2.0)
             for r, ms in (("threads", 300.0), ("gevent", 450.5))]
    merged, problems = merge([("m", document(LINUX_311, cells))], scenarios)
    assert not problems
    # by default, the plots of the scenarios the inputs have (dns.slow_lookup did not run)
    plots = make_plots(merged)
    assert [p.slug for p in plots] == ["sockets-tcp-echo-elapsed-ms", "sockets-tcp-echo-max-stall-ms"]
    assert plots[0].title == "Tcp echo: time for all clients"
    served = PlotSpec("sockets.tcp_echo", "elapsed_ms", "clients served", "ms", "higher")
    higher = make_plots(merged, [served])
    assert "higher is better" in higher[0].svg and "higher is better" in higher[0].summary
