using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

/// <summary>One value a segment's control offers: the portal's id and its name in the portal's language.</summary>
public sealed record Choice(string Id, string Name);

/// <summary>
/// What the picker's segment controls offer for a kind of record. <see cref="Companies"/> is null where
/// the user reads more companies than a list can offer: the page asks for a company's id instead.
/// </summary>
public sealed record SegmentChoices(IReadOnlyList<Choice> Responsible, IReadOnlyList<Choice> Types, IReadOnlyList<Choice> Sources, IReadOnlyList<Choice>? Companies);

/// <summary>
/// The values of the segment controls, read from the portal with the user's own token in one batch:
/// active users (<c>user.get</c>), contact types or company types and sources (<c>crm.status.list</c>,
/// named in the portal's language), and for contacts the companies the user reads. The portal's
/// reference lists are the same for all its users and are kept briefly per portal; companies depend
/// on the user's rights and are kept per account.
/// </summary>
public sealed class SegmentReferences(Bitrix24Client client, IMemoryCache cache)
{
    /// <summary>Most companies offered in a list; past it the page asks for an id.</summary>
    public const int MaxCompanies = 250;

    static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(60);

    public async Task<SegmentChoices> ChoicesAsync(Actor actor, EntityKind kind, CancellationToken ct)
    {
        var portalKey = (nameof(SegmentReferences), actor.MemberId, kind);
        var companiesKey = (nameof(SegmentReferences), actor.Account.Key, "companies");
        var reference = cache.Get<SegmentChoices>(portalKey);
        var companies = kind == EntityKind.Contact ? cache.Get<CompanyChoices>(companiesKey) : new CompanyChoices(null);
        if (reference is not null && companies is not null)
        {
            return reference with { Companies = companies.List };
        }

        var commands = new List<BatchCommand>();
        if (reference is null)
        {
            commands.Add(new BatchCommand("user.get", UsersQuery()));
            commands.Add(new BatchCommand("crm.status.list", StatusQuery(kind == EntityKind.Company ? "COMPANY_TYPE" : "CONTACT_TYPE")));
            if (kind == EntityKind.Contact)
            {
                commands.Add(new BatchCommand("crm.status.list", StatusQuery("SOURCE")));
            }
        }

        if (companies is null)
        {
            commands.Add(new BatchCommand("crm.company.list", CompaniesQuery()));
        }

        var answers = await client.BatchAsync(actor.Account, commands, ct: ct);
        var next = 0;
        if (reference is null)
        {
            var users = await client.ReadRestAsync(actor.Account, "user.get", UsersQuery(), answers[next++], ct: ct);
            var types = await client.ReadRestAsync(actor.Account, "crm.status.list", StatusQuery(kind == EntityKind.Company ? "COMPANY_TYPE" : "CONTACT_TYPE"), answers[next++], ct: ct);
            var sources = kind == EntityKind.Contact
                ? await client.ReadRestAsync(actor.Account, "crm.status.list", StatusQuery("SOURCE"), answers[next++], ct: ct)
                : [];
            reference = new SegmentChoices(
                users.Select(u => new Choice(Text(u, "ID"), string.Join(' ', new[] { Text(u, "NAME"), Text(u, "LAST_NAME") }.Where(s => s.Length > 0)) is { Length: > 0 } name ? name : "#" + Text(u, "ID")))
                    .Where(c => c.Id.Length > 0).OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ToList(),
                Statuses(types), Statuses(sources), null);
            cache.Set(portalKey, reference, KeepFor);
        }

        if (companies is null)
        {
            var first = answers[next];
            companies = new CompanyChoices(first.Total is > MaxCompanies
                ? null
                : (await client.ReadRestAsync(actor.Account, "crm.company.list", CompaniesQuery(), first, ct: ct))
                    .Select(c => new Choice(Text(c, "ID"), Text(c, "TITLE") is { Length: > 0 } title ? title : "#" + Text(c, "ID"))).Where(c => c.Id.Length > 0).ToList());
            cache.Set(companiesKey, companies, KeepFor);
        }

        return reference with { Companies = companies.List };
    }

    static List<Choice> Statuses(IEnumerable<System.Text.Json.JsonElement> rows) =>
        rows.Select(r => (Id: Text(r, "STATUS_ID"), Name: Text(r, "NAME"), Sort: IntOf(r, "SORT") ?? 0))
            .Where(s => s.Id.Length > 0).OrderBy(s => s.Sort).Select(s => new Choice(s.Id, s.Name.Length > 0 ? s.Name : s.Id)).ToList();

    static JsonObject UsersQuery() => new() { ["FILTER"] = new JsonObject { ["ACTIVE"] = true } };

    static JsonObject StatusQuery(string entityId) => new()
    {
        ["filter"] = new JsonObject { ["ENTITY_ID"] = entityId },
        ["order"] = new JsonObject { ["SORT"] = "ASC" },
    };

    static JsonObject CompaniesQuery() => new()
    {
        ["select"] = new JsonArray("ID", "TITLE"),
        ["order"] = new JsonObject { ["TITLE"] = "ASC", ["ID"] = "ASC" },
    };

    sealed record CompanyChoices(IReadOnlyList<Choice>? List);
}
