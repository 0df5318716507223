using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>One seed or node of a fault lab: how to start it, its current OS process, whether the
/// row wants it running, and a client for its management API. Not thread-safe: the row mutates,
/// the recorder reads (reference reads only).</summary>
internal sealed class LabProcess(ProcessInfo info, string ns, IReadOnlyList<string> arguments, string logPath) : IDisposable
{
    /// <summary>What it is.</summary>
    public ProcessInfo Info { get; } = info;

    /// <summary>Its network namespace.</summary>
    public string Namespace { get; } = ns;

    /// <summary>The arguments after the dotnet host (assembly first), used at the next start.</summary>
    public IReadOnlyList<string> Arguments { get; set; } = arguments;

    /// <summary>Its log file (appended across restarts).</summary>
    public string LogPath { get; } = logPath;

    /// <summary>The management API client.</summary>
    public NamespaceHttp Http { get; } = new(ns, EndToEndConstants.ManagementPort, TimeSpan.FromSeconds(2));

    /// <summary>The OS process of the latest start, or null before the first.</summary>
    public ManagedProcess? Current { get; set; }

    /// <summary>Every OS process started for it, oldest first (kept so each exit is reported once and disposed).</summary>
    public List<ManagedProcess> All { get; } = [];

    /// <summary>False while the row has it killed or stopped on purpose.</summary>
    public bool Wanted { get; set; } = true;

    /// <summary>True while the latest OS process exists.</summary>
    public bool Running => Current is { HasExited: false };

    /// <inheritdoc />
    public void Dispose() => Http.Dispose();
}
