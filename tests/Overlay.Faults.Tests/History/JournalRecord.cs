namespace Overlay.Faults.Tests.History;

/// <summary>One row of the registry's journal, as stored.</summary>
/// <param name="SequenceNr">The journal's sequence number.</param>
/// <param name="Manifest">The serializer manifest (e.g. "E-LG").</param>
/// <param name="Payload">The serialized event, base64.</param>
/// <param name="T">When it was written, seconds since the recording started (negative: before the
/// recording), or null when the journal has no timestamp.</param>
public sealed record JournalRecord(long SequenceNr, string Manifest, string Payload, double? T);
