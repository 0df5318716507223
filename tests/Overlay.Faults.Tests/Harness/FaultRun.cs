using System.Diagnostics;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Faults.Tests.Checker;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// One row from start to verdict: builds the lab, starts the recorder and the probes, records a
/// baseline, lets the row inject and heal, observes until the windowed invariants hold (or their
/// windows pass), reads the journal, checks the history, writes it under artifacts/faults/ and
/// prints the row's line of the table. Disposal always tears the lab down.
/// </summary>
internal sealed class FaultRun : IAsyncDisposable
{
    /// <summary>Samples recorded before the fault: what "before" means for S and I7.</summary>
    public const int BaselineTicks = 5;

    private readonly List<PingProbe> _probes = [];
    private readonly string _fault;
    private readonly RowExpectations _expect;
    private Recorder? _recorder;

    private FaultRun(string row, string fault, LabOptions options, RowExpectations expect)
    {
        _fault = fault;
        _expect = expect;
        Lab = new FaultLab(row, options);
    }

    /// <summary>The lab.</summary>
    public FaultLab Lab { get; }

    /// <summary>
    /// Runs row <paramref name="row"/>: <paramref name="inject"/> applies the fault and heals it
    /// (marking both); then the run observes for at least <paramref name="observeMin"/> and at most
    /// <paramref name="observeMax"/> (default: the longest window plus 5 s) and checks.
    /// Fails the test with the table and the evidence when a check is violated.
    /// </summary>
    public static async Task RunAsync(
        ITestOutputHelper output,
        string row,
        string fault,
        LabOptions options,
        RowExpectations expect,
        IReadOnlyList<(int From, int To)> probes,
        Func<FaultRun, Task> inject,
        TimeSpan? observeMin = null,
        TimeSpan? observeMax = null)
    {
        var wall = Stopwatch.StartNew();
        Verdict verdict;
        await using (var run = new FaultRun(row, fault, options, expect))
        {
            try
            {
                await run.Lab.StartAsync();
                foreach (var (from, to) in probes)
                {
                    run._probes.Add(PingProbe.Start(run.Lab, from, to));
                }

                run._recorder = new Recorder(run.Lab);
                run._recorder.Start();
                await Poll.UntilAsync("the baseline is recorded", TimeSpan.FromSeconds(60), () =>
                    Task.FromResult(run._recorder.Ticks >= BaselineTicks ? null : $"{run._recorder.Ticks} ticks"));

                await inject(run);
                await run.ObserveAsync(observeMin ?? TimeSpan.FromSeconds(5), observeMax ?? TimeSpan.FromSeconds(Window(expect) + 5));
                verdict = await run.FinishAsync(wall);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                output.WriteLine($"{row} did not complete: {e.GetType().Name}: {e.Message}\n{run.Lab.Diagnostics()}");
                throw;
            }

            string table = ResultTable.Format([(verdict, wall.Elapsed)]);
            output.WriteLine(table);
            ResultTable.Append(table);
            if (!verdict.AllHeld)
            {
                output.WriteLine(run.Lab.Diagnostics());
            }
        }

        output.WriteLine($"{row} wall time {wall.Elapsed.TotalSeconds:F0}s (lab torn down)");
        Assert.True(verdict.AllHeld, $"{row}: {string.Join("; ", verdict.Violations.Select(v => $"{v.Id} violated: {v.Evidence}"))}");
    }

    /// <summary>Marks the start of the fault.</summary>
    public void FaultStart(string text) => Lab.Mark(MarkKind.FaultStart, text);

    /// <summary>Marks the heal.</summary>
    public void Healed(string text) => Lab.Mark(MarkKind.Heal, text);

    /// <summary>Marks anything else.</summary>
    public void Note(string text) => Lab.Mark(MarkKind.Note, text);

    /// <summary>Waits <paramref name="span"/> while the recorder and probes run: the fault's duration
    /// (a bounded wait during which the system is observed, not a synchronisation).</summary>
    public static Task HoldAsync(TimeSpan span) => Task.Delay(span);

    /// <summary>The history so far, with the given journal.</summary>
    public FaultHistory History(IReadOnlyList<JournalRecord>? journal = null, string? journalError = "not read yet")
    {
        var (processes, hosts) = _recorder?.Snapshot() ?? ([], []);
        return new FaultHistory
        {
            Row = Lab.Row,
            Fault = _fault,
            StartedAt = Lab.StartedAt,
            Expect = _expect,
            Settings = new HistorySettings(Lab.Options.SubnetLength, Lab.Options.LeaseTtl.TotalSeconds, Lab.Options.LeaseGrace.TotalSeconds),
            Roster = Lab.Processes.Values.Select(p => p.Info).OrderBy(p => p.Process, StringComparer.Ordinal).ToList(),
            Marks = Lab.Marks,
            Processes = processes,
            Hosts = hosts,
            Probes = _probes.SelectMany(p => p.Samples(Lab.StartedAt)).ToList(),
            Events = Lab.Events,
            Journal = journal,
            JournalError = journal is null ? journalError : null,
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_recorder is not null)
        {
            await _recorder.DisposeAsync();
        }

        foreach (var probe in _probes)
        {
            await probe.DisposeAsync();
        }

        await Lab.DisposeAsync();
    }

    private static double Window(RowExpectations expect) => expect.Checks
        .Select(c => c switch
        {
            Check.I3OneCluster => expect.ClusterWindow,
            Check.I4ViewsConverge => expect.ViewsWindow,
            Check.I6RegistryLive => expect.RegistryWindow,
            Check.WritesResume => expect.RegistryWindow,
            Check.TunRestored => expect.TunWindow,
            Check.I5Traffic when expect.Plane == FaultPlane.DataPlane => expect.TrafficResumeWindow,
            _ => 0,
        })
        .DefaultIfEmpty(0)
        .Max();

    private async Task ObserveAsync(TimeSpan min, TimeSpan max)
    {
        var windowed = _expect.Checks.Where(c => c is Check.I3OneCluster or Check.I4ViewsConverge or Check.I6RegistryLive or Check.TunRestored
            || (c == Check.I5Traffic && _expect.Plane == FaultPlane.DataPlane)).ToList();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < max)
        {
            // The interval between looks at the history; the loop ends at its deadline.
            await Task.Delay(TimeSpan.FromSeconds(2));
            await Lab.RestartExitedSeedsAsync();
            if (clock.Elapsed < min)
            {
                continue;
            }

            var partial = History() with { Expect = _expect with { Checks = windowed } };
            if (FaultChecker.Check(partial).AllHeld)
            {
                return;
            }
        }
    }

    private async Task<Verdict> FinishAsync(Stopwatch wall)
    {
        await _recorder!.StopAsync();
        var (journal, error) = await JournalReader.ReadAsync(Lab);
        var history = History(journal, error);
        var verdict = FaultChecker.Check(history);
        HistoryFile.Write(history, verdict, wall.Elapsed);
        return verdict;
    }
}
