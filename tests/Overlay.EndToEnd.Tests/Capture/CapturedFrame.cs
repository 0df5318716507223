namespace Overlay.EndToEnd.Tests.Capture;

/// <summary>One frame of a <see cref="PcapFile"/>: when, how long on the wire, and the captured bytes.</summary>
public sealed record CapturedFrame(DateTimeOffset Timestamp, int OriginalLength, byte[] Data);
