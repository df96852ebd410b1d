using System.Diagnostics;
using B24CallListApp.Bitrix24;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace B24CallListApp.Operations;

/// <summary>
/// OpenTelemetry, off by default. The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with the other
/// <c>OTEL_*</c> variables the exporter reads) turns it on and exports over OTLP; <c>Telemetry:Enabled</c>
/// turns it on without an exporter (tests add their own). Traces: ASP.NET Core, every portal and OAuth
/// call (the REST method as <c>bitrix24.method</c>; URLs without their query, so no token is recorded),
/// EF Core, Npgsql and Redis, and each save. Metrics: the runtime, ASP.NET Core, HttpClient, and the
/// app's own meters (<c>B24CallListApp.*</c>).
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "b24calllistapp";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var export = !string.IsNullOrWhiteSpace(endpoint);
        if (!export && !configuration.GetValue<bool>("Telemetry:Enabled"))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(CallListMetrics.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/healthz", StringComparison.OrdinalIgnoreCase))
                    .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = Enrich)
                    .AddEntityFrameworkCoreInstrumentation()
                    .AddSource("Npgsql")
                    .AddRedisInstrumentation()
                    .ConfigureRedisInstrumentation((provider, redis) =>
                    {
                        // The limiter's Redis connection is made in the background; it is traced once it exists.
                        if (provider.GetService<RedisPortalBuckets>() is { } buckets)
                        {
                            _ = buckets.Connection.ContinueWith(c => redis.AddConnection(c.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                        }
                    });
                if (export)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddRuntimeInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter(Bitrix24Metrics.MeterName, CallListMetrics.Name, PortalMetrics.MeterName);
                if (export)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>A portal or OAuth call's span: the REST method, and the URL without its query (app.info carries the token there).</summary>
    static void Enrich(Activity activity, HttpRequestMessage request)
    {
        if (request.RequestUri is { } uri)
        {
            activity.SetTag("url.full", uri.GetLeftPart(UriPartial.Path));
            activity.SetTag("url.query", null);
        }

        if (request.Options.TryGetValue(Bitrix24Request.Method, out var method))
        {
            activity.SetTag("bitrix24.method", method);
        }
    }
}
