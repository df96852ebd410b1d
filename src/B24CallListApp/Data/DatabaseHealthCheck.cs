using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace B24CallListApp.Data;

/// <summary><c>/healthz</c>: unhealthy (503) while the database, SQLite or PostgreSQL, does not answer.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<AppDb> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            // A real query: a file deleted under SQLite, or a PostgreSQL gone away, both fail here.
            await db.Portals.AnyAsync(ct);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
