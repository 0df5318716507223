using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Overlay.Hosting.Metrics;

/// <summary>
/// GET /metrics in Prometheus text format: the process's Meter (created through IMeterFactory) read
/// by OpenTelemetry's Prometheus exporter. Observable instruments are read at scrape time, so the
/// data path never calls a metrics API per packet.
/// </summary>
public static class MetricsHosting
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers the exporter for <paramref name="meterName"/> and overlay_build_info.</summary>
    public static IServiceCollection AddOverlayMetrics(this IServiceCollection services, string meterName, string serviceName)
    {
        services.AddMetrics();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceVersion: BuildInfo.Version))
            .WithMetrics(metrics => metrics
                .AddMeter(meterName)
                // Fresh numbers on every scrape; the default 300 ms cache would hide a change a test just made.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddSingleton(sp => new BuildInfoGauge(sp.GetRequiredService<IMeterFactory>(), meterName));
        return services;
    }

    /// <summary>Maps GET /metrics; every <see cref="IMetricsRefresher"/> runs before the exporter collects.</summary>
    public static IEndpointRouteBuilder MapOverlayMetrics(this IEndpointRouteBuilder app)
    {
        // Instruments are created when their owners are first resolved: resolve them now, not at the first scrape.
        app.ServiceProvider.GetRequiredService<BuildInfoGauge>();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            foreach (var refresher in context.RequestServices.GetServices<IMetricsRefresher>())
                await refresher.RefreshAsync(context.RequestAborted);
            await next(context);
        }), optionsName: null);
        return app;
    }
}

/// <summary>overlay_build_info{version} = 1 on the process's meter.</summary>
public sealed class BuildInfoGauge
{
    /// <summary>Creates the gauge on <paramref name="meterName"/>.</summary>
    public BuildInfoGauge(IMeterFactory meters, string meterName)
    {
        var meter = meters.Create(meterName);
        meter.CreateObservableGauge(MetricNames.BuildInfo,
            () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", BuildInfo.Version)),
            description: "Always 1; the label carries the version of the running binary.");
    }
}
