using System.Reflection;
using System.Reflection.Emit;

namespace Conveyor.Tests.Infrastructure;

/// <summary>Reads a compiled method's IL: each instruction that names a type, method or field, with what it names.</summary>
public static class MethodIl
{
    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static MethodIl()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (code.Size == 1) OneByte[value] = code;
            else TwoByte[value & 0xFF] = code;
        }
    }

    /// <summary>Every <c>newobj</c>, <c>call</c>, <c>ldfld</c>, <c>ldtoken</c>… of <paramref name="method"/> (declared on <paramref name="owner"/>) and the member it names.</summary>
    public static IEnumerable<(OpCode Code, MemberInfo Member)> MemberReferences(Type owner, MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var typeArguments = owner.IsGenericType ? owner.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var code = il[at] == 0xFE ? TwoByte[il[at + 1]] : OneByte[il[at]];
            at += code.Size;
            if (code.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok
                && method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments) is { } member)
            {
                yield return (code, member);
            }
            at += OperandSize(code, il, at);
        }
    }

    /// <summary>Every method and constructor declared on <paramref name="type"/>, whatever its access.</summary>
    public static IEnumerable<MethodBase> DeclaredMethods(Type type)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static
            | BindingFlags.DeclaredOnly;
        return type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared));
    }

    private static int OperandSize(OpCode code, byte[] il, int at) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
