using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace B24CallListApp.Data;

public enum PortalStatus
{
    Installing,
    Active,
    Uninstalled,
    ReinstallRequired,
    PaymentRequired,
    AppDeleted,
}

/// <summary>One Bitrix24 portal the app is installed in, known by its member_id.</summary>
public sealed class PortalRecord
{
    public int Id { get; set; }
    public required string MemberId { get; set; }
    public required string Domain { get; set; }
    public required string ClientEndpoint { get; set; }
    public required string OAuthServer { get; set; }

    /// <summary>The application_token events carry, encrypted with Data Protection.</summary>
    public string? ProtectedApplicationToken { get; set; }

    public string Scope { get; set; } = "";
    public PortalStatus Status { get; set; }
    public string Language { get; set; } = "en";
    public DateTimeOffset InstalledAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<AccountRecord> Accounts { get; set; } = [];
}

/// <summary>One user of a portal who used the app: their token pair, encrypted.</summary>
public sealed class AccountRecord
{
    public int Id { get; set; }
    public int PortalId { get; set; }
    public PortalRecord Portal { get; set; } = null!;
    public long UserId { get; set; }
    public bool Admin { get; set; }
    public required string ProtectedAccessToken { get; set; }
    public required string ProtectedRefreshToken { get; set; }

    /// <summary>SHA-256 of the refresh token: what a compare-and-swap compares (ciphertexts differ each time).</summary>
    public required string RefreshTokenHash { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Why this account's tokens stopped working (invalid_grant, wrong_client, ...), until the user
    /// opens the app again. It belongs to this user alone: the portal's status is not touched.
    /// </summary>
    public string? Failure { get; set; }

    public DateTimeOffset? FailedAt { get; set; }
}

/// <summary>
/// A lease on a name (an account's refresh, a call list's save) that one app instance holds for a while,
/// so that instances sharing one database take turns.
/// </summary>
public sealed class LeaseRecord
{
    public required string Key { get; set; }
    public required string Owner { get; set; }

    /// <summary>Unix milliseconds: plain numbers compare the same in every database.</summary>
    public long ExpiresAtMs { get; set; }
}

/// <summary>The app's data. SQLite by default; <see cref="PostgresAppDb"/> for several instances, with migrations of its own.</summary>
public class AppDb : DbContext, IDataProtectionKeyContext
{
    public AppDb(DbContextOptions<AppDb> options)
        : base(options)
    {
    }

    protected AppDb(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<PortalRecord> Portals => Set<PortalRecord>();
    public DbSet<AccountRecord> Accounts => Set<AccountRecord>();
    public DbSet<LeaseRecord> Leases => Set<LeaseRecord>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PortalRecord>(portal =>
        {
            portal.HasIndex(p => p.MemberId).IsUnique();
            portal.Property(p => p.MemberId).HasMaxLength(64);
            portal.Property(p => p.Domain).HasMaxLength(255);
            portal.Property(p => p.Status).HasConversion<string>().HasMaxLength(32);
            portal.HasMany(p => p.Accounts).WithOne(a => a.Portal).HasForeignKey(a => a.PortalId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<AccountRecord>(account =>
        {
            account.HasIndex(a => new { a.PortalId, a.UserId }).IsUnique();
            account.Property(a => a.RefreshTokenHash).HasMaxLength(64);
            account.Property(a => a.Failure).HasMaxLength(64);
        });
        modelBuilder.Entity<LeaseRecord>(lease =>
        {
            lease.HasKey(l => l.Key);
            lease.Property(l => l.Key).HasMaxLength(200);
            lease.Property(l => l.Owner).HasMaxLength(64);
        });
    }
}

/// <summary>The same data on PostgreSQL: its own type, so that it finds its own migrations.</summary>
public sealed class PostgresAppDb(DbContextOptions<PostgresAppDb> options) : AppDb(options);
