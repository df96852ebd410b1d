using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace B24CallListApp.Operations;

public static class HealthEndpoints
{
    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<RecentHealth>();
        services.AddOptions<WarmUpOptions>().Bind(configuration.GetSection("App"));
        services.AddSingleton<WarmUp>();
        services.AddHostedService(provider => provider.GetRequiredService<WarmUp>());
        services.AddHealthChecks().AddCheck<WarmUp>("warm-up");
        return services;
    }

    /// <summary>
    /// <c>/healthz</c> for load balancers and operators: 200 while Healthy or Degraded, 503 while
    /// Unhealthy, and a JSON body that says which part is not well, what that means for users, and
    /// when it was checked. Exceptions stay in the log: their messages may name hosts and users.
    /// </summary>
    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder app) =>
        app.MapMethods("/healthz", [HttpMethods.Get, HttpMethods.Head], async (HttpContext context, RecentHealth health) =>
        {
            var (report, checkedAt) = await health.ReportAsync(context.RequestAborted);
            context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await JsonSerializer.SerializeAsync(context.Response.Body, new
            {
                status = report.Status.ToString(),
                checkedAt,
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            }, cancellationToken: context.RequestAborted);
        });
}

/// <summary>
/// The health report, run at most once per <see cref="MaxAge"/> (a quarter second while unhealthy) however many ask: a flood of
/// <c>/healthz</c> requests does not become a flood of database queries. Callers arriving while a
/// check runs wait for that one.
/// </summary>
public sealed class RecentHealth(HealthCheckService checks, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    readonly SemaphoreSlim _one = new(1, 1);
    (HealthReport Report, DateTimeOffset CheckedAt)? _last;

    public async Task<(HealthReport Report, DateTimeOffset CheckedAt)> ReportAsync(CancellationToken ct)
    {
        if (Fresh() is { } fresh)
        {
            return fresh;
        }

        await _one.WaitAsync(ct);
        try
        {
            if (Fresh() is { } justChecked)
            {
                return justChecked;
            }

            var report = await checks.CheckHealthAsync(CancellationToken.None);
            _last = (report, time.GetUtcNow());
            return _last.Value;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>An unhealthy report is asked again sooner: an instance warming up or a database coming back is seen in a quarter second.</summary>
    (HealthReport, DateTimeOffset)? Fresh() =>
        _last is { } last && time.GetUtcNow() - last.CheckedAt < (last.Report.Status == HealthStatus.Unhealthy ? UnhealthyMaxAge : MaxAge) ? last : null;

    static readonly TimeSpan UnhealthyMaxAge = TimeSpan.FromMilliseconds(250);
}
