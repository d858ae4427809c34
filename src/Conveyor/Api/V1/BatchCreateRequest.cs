using System.Text.Json.Serialization;
using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary>The body of <c>POST /api/v1/jobs/batch</c>: up to 1,000 job create requests.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BatchCreateRequest(IReadOnlyList<JobCreateRequest>? Jobs);
