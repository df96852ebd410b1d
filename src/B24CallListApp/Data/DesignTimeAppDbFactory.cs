using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace B24CallListApp.Data;

/// <summary>Lets `dotnet ef` build the SQLite model without starting the app.</summary>
public sealed class DesignTimeAppDbFactory : IDesignTimeDbContextFactory<AppDb>
{
    public AppDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets `dotnet ef --context PostgresAppDb` build the PostgreSQL model (no server is asked).</summary>
public sealed class DesignTimePostgresAppDbFactory : IDesignTimeDbContextFactory<PostgresAppDb>
{
    public PostgresAppDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDb>().UseNpgsql("Host=localhost;Database=design").Options);
}
