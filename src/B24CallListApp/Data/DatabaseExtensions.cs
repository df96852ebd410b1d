using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Data;

/// <summary><c>Database:Provider</c>: where the app keeps its data.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string Provider { get; set; } = "Sqlite";
}

/// <summary>
/// <c>DataProtection:*</c>: how the key ring that encrypts tokens is itself kept. By default it lives in
/// the database beside the tokens it protects, unencrypted, so a copy of the database reads every
/// token; production deployments keep it apart (<see cref="KeysPath"/>) or encrypt it (<see cref="CertificatePath"/>).
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>A folder for the key ring instead of the database (shared by every instance).</summary>
    public string? KeysPath { get; set; }

    /// <summary>A PFX certificate whose key encrypts the key ring at rest.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public bool IsProtected => !string.IsNullOrWhiteSpace(KeysPath) || !string.IsNullOrWhiteSpace(CertificatePath);
}

public static class DatabaseExtensions
{
    /// <summary>
    /// Contexts kept for reuse: a context is made per query, and making one cost more than the query (a
    /// third of a list page's allocations; pooled, 1,000 portals serve 28% more operations a second).
    /// Enough for the queries an instance runs at once rather than EF Core's default of 1,024.
    /// </summary>
    const int ContextPoolSize = 32;

    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var postgres = string.Equals(database.Provider, "Postgres", StringComparison.OrdinalIgnoreCase);
        if (!postgres && !string.Equals(database.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions),
                [$"Database:Provider '{database.Provider}' is not one of Sqlite, Postgres."]);
        }

        var connectionString = configuration.GetConnectionString("Default");
        if (postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions),
                ["ConnectionStrings:Default is required with Database:Provider=Postgres, for example Host=db;Database=b24calllist;Username=app;Password=..."]);
        }

        if (postgres)
        {
            // Its own context type, so that it finds the PostgreSQL migrations (migrations/Postgres).
            // A restarted or failed-over server leaves dead connections in the pool: commands are retried on new ones.
            services.AddPooledDbContextFactory<PostgresAppDb>(options => options.UseNpgsql(connectionString,
                npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 4, maxRetryDelay: TimeSpan.FromSeconds(2), errorCodesToAdd: null)), ContextPoolSize);
            services.AddSingleton<IDbContextFactory<AppDb>>(provider => new DerivedContextFactory<PostgresAppDb>(provider.GetRequiredService<IDbContextFactory<PostgresAppDb>>()));
        }
        else
        {
            services.AddPooledDbContextFactory<AppDb>(options => options.UseSqlite(connectionString ?? "Data Source=b24calllist.db"), ContextPoolSize);
        }

        services.AddSingleton<DbLeases>();

        // Tokens are encrypted with a key ring that outlives a restart; where it lives is the operator's choice.
        var keyRing = configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new();
        services.AddSingleton(Options.Create(keyRing));
        var dataProtection = services.AddDataProtection().SetApplicationName("B24CallListApp");
        if (!string.IsNullOrWhiteSpace(keyRing.KeysPath))
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keyRing.KeysPath));
        }
        else if (postgres)
        {
            dataProtection.PersistKeysToDbContext<PostgresAppDb>();
        }
        else
        {
            dataProtection.PersistKeysToDbContext<AppDb>();
        }

        if (!string.IsNullOrWhiteSpace(keyRing.CertificatePath))
        {
            if (!File.Exists(keyRing.CertificatePath))
            {
                throw new OptionsValidationException(KeyRingOptions.Section, typeof(KeyRingOptions),
                    [$"DataProtection:CertificatePath '{keyRing.CertificatePath}' does not exist."]);
            }

            dataProtection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(keyRing.CertificatePath, keyRing.CertificatePassword));
        }

        return services;
    }

    /// <summary>
    /// Creates or upgrades the database (instances starting together take turns: EF Core locks the
    /// migration), and turns on WAL in SQLite so readers never wait for the writer. A database that
    /// cannot be reached stops the start with a message naming the key.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDb>>().CreateDbContextAsync();
        try
        {
            await db.Database.MigrateAsync();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException { InnerException: System.Data.Common.DbException } or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"ConnectionStrings:Default: the database cannot be reached or opened ({e.Message}). Check the connection string and that the server is running.", e);
        }

        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }

    /// <summary>Hands out a derived context (PostgresAppDb) wherever the app asks for an AppDb.</summary>
    sealed class DerivedContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDb>
        where TContext : AppDb
    {
        public AppDb CreateDbContext() => inner.CreateDbContext();

        public async Task<AppDb> CreateDbContextAsync(CancellationToken ct = default) => await inner.CreateDbContextAsync(ct);
    }
}
