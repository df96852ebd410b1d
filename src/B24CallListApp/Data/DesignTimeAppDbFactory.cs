using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace B24CallListApp.Data;

/// <summary>Lets `dotnet ef` build the model without starting the app.</summary>
public sealed class DesignTimeAppDbFactory : IDesignTimeDbContextFactory<AppDb>
{
    public AppDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDb>().UseSqlite("Data Source=design.db").Options);
}
