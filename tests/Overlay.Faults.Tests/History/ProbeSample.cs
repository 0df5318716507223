namespace Overlay.Faults.Tests.History;

/// <summary>One probe packet between two pods (10 per second per direction).</summary>
/// <param name="T">When it was sent, seconds since the recording started.</param>
/// <param name="From">The sending pod, e.g. "p1".</param>
/// <param name="To">The target pod, e.g. "p2".</param>
/// <param name="Seq">Its sequence number.</param>
/// <param name="Answered">True when its reply arrived.</param>
public sealed record ProbeSample(double T, string From, string To, int Seq, bool Answered);
