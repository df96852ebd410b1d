using TestSupport;

namespace B24CallListApp.Tests;

/// <summary>The app on PostgreSQL: a database of its own on the test run's server.</summary>
public class PostgresAppFixture : AppFixture
{
    string _connectionString = "";

    public PostgresServer Server { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Server = await ServerAsync();
        _connectionString = await Server.CreateDatabaseAsync();
        await base.InitializeAsync();
        await using var db = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.AppDb>>(Factory.Services).CreateDbContextAsync();
        if (db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException("The PostgreSQL fixture's app runs on " + db.Database.ProviderName);
        }
    }

    /// <summary>The run's shared server; a fixture that restarts its server takes one of its own.</summary>
    protected virtual Task<PostgresServer> ServerAsync() => PostgresServer.GetAsync();

    protected override Dictionary<string, string?> Settings() => new()
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:Default"] = _connectionString,
    };
}

/// <summary>The app on a PostgreSQL server of its own, which its tests may restart.</summary>
public sealed class RestartablePostgresAppFixture : PostgresAppFixture
{
    protected override Task<PostgresServer> ServerAsync() => PostgresServer.StartNewAsync();
}
