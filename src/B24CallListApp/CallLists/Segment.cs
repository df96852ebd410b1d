using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace B24CallListApp.CallLists;

/// <summary>
/// A CRM segment the picker narrows to, beside its text search (https://apidocs.bitrix24.com/api-reference/crm/contacts/crm-contact-list.html): the responsible
/// user, the contact type or company type, the source, the company, the creation dates and whether
/// the record has a phone. Fields that do not apply to a kind (source and company for companies) are ignored.
/// </summary>
public sealed partial record Segment(int? ResponsibleId, string? TypeId, string? SourceId, int? CompanyId, DateOnly? CreatedFrom, DateOnly? CreatedTo, bool HasPhone)
{
    public static readonly Segment None = new(null, null, null, null, null, null, false);

    /// <summary>The filter of <c>crm.contact.list</c> or <c>crm.company.list</c> that selects the segment.</summary>
    public JsonObject Filter(EntityKind kind)
    {
        var filter = new JsonObject();
        if (ResponsibleId is { } responsible)
        {
            filter["=ASSIGNED_BY_ID"] = responsible;
        }

        if (TypeId is { } type)
        {
            filter[kind == EntityKind.Company ? "=COMPANY_TYPE" : "=TYPE_ID"] = type;
        }

        if (kind == EntityKind.Contact && SourceId is { } source)
        {
            filter["=SOURCE_ID"] = source;
        }

        if (kind == EntityKind.Contact && CompanyId is { } company)
        {
            filter["=COMPANY_ID"] = company;
        }

        // Without a zone the portal reads a date in the user's time zone: "created on the 1st" as the user means it.
        if (CreatedFrom is { } from)
        {
            filter[">=DATE_CREATE"] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00";
        }

        if (CreatedTo is { } to)
        {
            filter["<=DATE_CREATE"] = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T23:59:59";
        }

        if (HasPhone)
        {
            filter["HAS_PHONE"] = "Y";
        }

        return filter;
    }

    /// <summary>
    /// The segment a form posts (empty values mean "any"); null when a value is not one a page offers
    /// (a tampered form): ids are positive whole numbers, reference values are status ids, dates are ISO dates.
    /// </summary>
    public static Segment? Parse(string? responsible, string? type, string? source, string? company, string? from, string? to, string? hasPhone)
    {
        if (!TryId(responsible, out var responsibleId) || !TryId(company, out var companyId)
            || !TryStatus(type, out var typeId) || !TryStatus(source, out var sourceId)
            || !TryDate(from, out var createdFrom) || !TryDate(to, out var createdTo))
        {
            return null;
        }

        var phone = (hasPhone ?? "").Trim().ToUpperInvariant() is "ON" or "TRUE" or "Y" or "1";
        return new Segment(responsibleId, typeId, sourceId, companyId, createdFrom, createdTo, phone);
    }

    static bool TryId(string? text, out int? id)
    {
        id = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            id = value;
            return true;
        }

        return false;
    }

    static bool TryStatus(string? text, out string? statusId)
    {
        statusId = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return statusId is null || StatusIdPattern().IsMatch(statusId);
    }

    static bool TryDate(string? text, out DateOnly? date)
    {
        date = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            date = value;
            return true;
        }

        return false;
    }

    // Status ids of reference lists: CLIENT, TRADE_SHOW, 1, UC_A1B2C3, DT156_10:NEW.
    [GeneratedRegex(@"^[A-Za-z0-9_:.\-]{1,50}$")]
    private static partial Regex StatusIdPattern();
}

/// <summary>What the picker looks for: a text search (name, phone or e-mail) within a segment.</summary>
public sealed record CrmQuery(string? Text, Segment Segment);
