using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Checker;

/// <summary>One journal event after decoding, with the state it was applied to.</summary>
/// <param name="SequenceNr">Its journal sequence number.</param>
/// <param name="T">When it was written (seconds since the recording started), when known.</param>
/// <param name="Event">The decoded event.</param>
/// <param name="Before">The registry state it was applied to.</param>
public sealed record ReplayedEvent(long SequenceNr, double? T, ILeaseEvent Event, LeaseRegistryState Before);

/// <summary>
/// The journal read back through the project's own serializer and pure registry state: every event
/// decoded, sequence numbers contiguous from 1, and every event accepted by
/// <see cref="LeaseRegistryState.Apply"/> (which refuses a version gap, an overlapping grant, a
/// renewal or end of a lease that is not live). Pure.
/// </summary>
/// <param name="Events">The events applied, in order (up to the first error).</param>
/// <param name="Final">The state after the last applied event.</param>
/// <param name="Error">The first problem, or null when the whole journal replayed.</param>
public sealed record JournalReplay(IReadOnlyList<ReplayedEvent> Events, LeaseRegistryState Final, string? Error)
{
    // The serializer's decoding touches no actor system; the journal's bytes are decoded exactly
    // as the registry decodes them on recovery.
    private static readonly OverlaySerializer Serializer = new(null!);

    /// <summary>Replays <paramref name="journal"/> from the empty state.</summary>
    public static JournalReplay Run(IReadOnlyList<JournalRecord> journal)
    {
        var state = LeaseRegistryState.Empty;
        var events = new List<ReplayedEvent>(journal.Count);
        long expected = 1;
        foreach (var record in journal)
        {
            if (record.SequenceNr != expected)
            {
                return new JournalReplay(events, state, $"sequence number {record.SequenceNr} where {expected} was due ({(record.SequenceNr < expected ? "duplicate or out of order" : "gap")})");
            }

            ILeaseEvent e;
            try
            {
                e = Serializer.FromBinary(Convert.FromBase64String(record.Payload), record.Manifest) as ILeaseEvent
                    ?? throw new InvalidOperationException($"manifest {record.Manifest} is no lease event");
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or System.Runtime.Serialization.SerializationException)
            {
                return new JournalReplay(events, state, $"sequence number {record.SequenceNr} ({record.Manifest}) does not decode: {ex.Message}");
            }

            try
            {
                var next = state.Apply(e);
                events.Add(new ReplayedEvent(record.SequenceNr, record.T, e, state));
                state = next;
            }
            catch (InvalidOperationException ex)
            {
                return new JournalReplay(events, state, $"sequence number {record.SequenceNr} refused by LeaseRegistryState.Apply: {ex.Message}");
            }

            expected++;
        }

        return new JournalReplay(events, state, null);
    }

    /// <summary>A short rendering of one event for evidence.</summary>
    public static string Describe(ReplayedEvent replayed) => replayed.Event switch
    {
        LeaseGranted g => $"v{g.Version} granted {g.Lease.Subnet} to {g.Lease.NodeName} ({g.Lease.PublicIp})",
        LeaseRenewed r => $"v{r.Version} renewed {r.Subnet}",
        LeaseEnded e => $"v{e.Version} ended {e.Subnet} of {replayed.Before.Find(e.Subnet)?.NodeName ?? "?"}: {e.Reason}",
        NetworkConfigured n => $"v{n.Version} network {n.Config.Network}",
        var other => $"v{other.Version} {other.GetType().Name}",
    } + (replayed.T is { } t ? $" at t={t:F1}s" : string.Empty);
}
