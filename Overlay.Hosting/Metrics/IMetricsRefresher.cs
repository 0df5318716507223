namespace Overlay.Hosting.Metrics;

/// <summary>
/// Something whose observable instruments read a cache that must be filled from an actor before a
/// scrape (an Ask cannot run inside an instrument callback, which is synchronous). Every registered
/// refresher runs before each GET /metrics; a refresher that fails or times out keeps its previous
/// values and must not throw.
/// </summary>
public interface IMetricsRefresher
{
    /// <summary>Fills the cache; bounded in time by the implementation.</summary>
    Task RefreshAsync(CancellationToken cancellation);
}
