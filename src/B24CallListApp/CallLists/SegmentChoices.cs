using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;

namespace B24CallListApp.CallLists;

/// <summary>One value a segment's control offers: the portal's id and its name in the portal's language.</summary>
public sealed record Choice(string Id, string Name);

/// <summary>Companies found by title: a page of them, and how many match in all.</summary>
public sealed record CompanyMatches(IReadOnlyList<Choice> Companies, int Total);

/// <summary>
/// What the picker's segment controls offer for a kind of record. <see cref="Companies"/> is null where
/// the user reads more companies than a list can offer: the page finds them by title as the user types
/// (<see cref="SegmentReferences.CompaniesTitledAsync"/>), or without script asks for a company's id.
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

        var users = new ActiveUsers();
        var types = new ReferenceList(kind == EntityKind.Company ? "COMPANY_TYPE" : "CONTACT_TYPE");
        var sources = new ReferenceList("SOURCE");
        var companyTitles = new CompanyTitles();
        var commands = new List<BatchCommand>();
        if (reference is null)
        {
            commands.Add(users.Command());
            commands.Add(types.Command());
            if (kind == EntityKind.Contact)
            {
                commands.Add(sources.Command());
            }
        }

        if (companies is null)
        {
            commands.Add(companyTitles.Command());
        }

        var answers = await client.BatchAsync(actor.Account, commands, ct: ct);
        var next = 0;
        if (reference is null)
        {
            var active = await client.ReadRestAsync(actor.Account, users, answers[next++], ct);
            var typeValues = await client.ReadRestAsync(actor.Account, types, answers[next++], ct);
            var sourceValues = kind == EntityKind.Contact ? await client.ReadRestAsync(actor.Account, sources, answers[next++], ct) : [];
            reference = new SegmentChoices(active.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ToList(), InOrder(typeValues), InOrder(sourceValues), null);
            cache.Set(portalKey, reference, KeepFor);
        }

        if (companies is null)
        {
            var first = answers[next];
            companies = new CompanyChoices(first.Total is > MaxCompanies ? null : await client.ReadRestAsync(actor.Account, companyTitles, first, ct));
            cache.Set(companiesKey, companies, KeepFor);
        }

        return reference with { Companies = companies.List };
    }

    /// <summary>
    /// The companies whose title holds <paramref name="text"/>, as the user reads them, for the company field of a
    /// portal with more companies than a list can offer: the first page in title order, and how many match in all.
    /// </summary>
    public async Task<CompanyMatches> CompaniesTitledAsync(Actor actor, string text, CancellationToken ct)
    {
        var read = new CompanyTitles(text);
        var answer = await client.CallAsync(actor.Account, read, ct);
        var companies = read.ParseAll(Bitrix24Json.Rows(answer.Result));
        return new CompanyMatches(companies, Math.Max(answer.Total ?? 0, companies.Count));
    }

    static List<Choice> InOrder(IEnumerable<ReferenceValue> values) => values.OrderBy(v => v.Sort).Select(v => new Choice(v.Id, v.Name)).ToList();

    sealed record CompanyChoices(IReadOnlyList<Choice>? List);
}
