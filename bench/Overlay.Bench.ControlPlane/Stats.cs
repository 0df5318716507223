namespace Overlay.Bench.ControlPlane;

/// <summary>Summary of a sample of durations in milliseconds (nearest-rank percentiles).</summary>
public sealed record Stats(int Count, double Min, double P50, double P90, double P99, double Max, double Mean)
{
    /// <summary>Summarizes <paramref name="samples"/> (milliseconds); throws when empty.</summary>
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
            throw new ArgumentException("no samples to summarize");
        var sorted = samples.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Stats(sorted.Length, Round(sorted[0]), Round(Rank(0.50)), Round(Rank(0.90)), Round(Rank(0.99)),
            Round(sorted[^1]), Round(sorted.Average()));
    }

    private static double Round(double value) => Math.Round(value, 2);
}
