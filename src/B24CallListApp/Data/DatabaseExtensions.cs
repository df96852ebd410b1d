using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Data;

public static class DatabaseExtensions
{
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Default") ?? "Data Source=b24calllist.db";
        var provider = configuration["Database:Provider"] ?? "Sqlite";
        if (!string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Database:Provider '{provider}' is not supported yet; use Sqlite.");
        }

        services.AddDbContextFactory<AppDb>(options => options.UseSqlite(connectionString));

        // Tokens are encrypted with a key ring kept beside the data, so a restart can still read them.
        services.AddDataProtection()
            .SetApplicationName("B24CallListApp")
            .PersistKeysToDbContext<AppDb>();
        return services;
    }

    /// <summary>Creates or upgrades the database, and turns on WAL so readers never wait for the writer.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDb>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }
}
