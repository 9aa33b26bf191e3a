using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// Runs an <see cref="Action{TState}"/> envelope. Reference-type state travels in <see cref="Envelope.State"/> as is;
/// unmanaged value types of at most 8 bytes travel inline in <see cref="Envelope.Inline"/>; any other value type is boxed
/// (one allocation per post, the only case that allocates; see README).
/// </summary>
internal sealed class StateInvoker<TState> : EnvelopeInvoker
{
    /// <summary>The one instance per state type.</summary>
    public static readonly StateInvoker<TState> Instance = new();

    /// <summary>Whether <typeparamref name="TState"/> fits in <see cref="Envelope.Inline"/>.</summary>
    public static readonly bool TravelsInline =
        typeof(TState).IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<TState>() && Unsafe.SizeOf<TState>() <= sizeof(ulong);

    private StateInvoker() { }

    /// <summary>Builds the envelope for <paramref name="callback"/> and <paramref name="state"/> without allocating when the state is a reference or fits inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Envelope Wrap(Action<TState> callback, TState state)
    {
        if (!typeof(TState).IsValueType)
        {
            return new Envelope(callback, state, Instance);
        }

        if (TravelsInline)
        {
            ulong bits = 0;
            Unsafe.WriteUnaligned(ref Unsafe.As<ulong, byte>(ref bits), state);
            return new Envelope(callback, null, Instance, bits);
        }

        return new Envelope(callback, state, Instance);
    }

    public override void Invoke(in Envelope envelope)
    {
        var callback = Unsafe.As<Action<TState>>(envelope.Callback);
        if (!typeof(TState).IsValueType)
        {
            callback(Unsafe.As<object?, TState>(ref Unsafe.AsRef(in envelope.State)));
        }
        else if (TravelsInline)
        {
            callback(Unsafe.ReadUnaligned<TState>(ref Unsafe.As<ulong, byte>(ref Unsafe.AsRef(in envelope.Inline))));
        }
        else
        {
            callback((TState)envelope.State!);
        }
    }
}
