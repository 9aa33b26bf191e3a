using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// Builds and runs the envelopes of <see cref="LoopActor.Post{TState}(Action{TState}, TState)"/>. Reference-type state
/// travels in <see cref="Envelope.State"/> as is; unmanaged value types of at most 8 bytes travel inline in
/// <see cref="Envelope.Inline"/>, with this invoker in <see cref="Envelope.State"/>; only larger or reference-holding
/// value types are boxed with their callback (one allocation per post; see README).
/// </summary>
internal sealed class StateInvoker<TState> : EnvelopeInvoker
{
    /// <summary>The one instance per state type.</summary>
    public static readonly StateInvoker<TState> Instance = new();

    /// <summary>Whether <typeparamref name="TState"/> fits in <see cref="Envelope.Inline"/>.</summary>
    public static readonly bool TravelsInline =
        typeof(TState).IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<TState>() && Unsafe.SizeOf<TState>() <= sizeof(ulong);

    private StateInvoker() { }

    /// <summary>Builds the envelope for <paramref name="callback"/> and <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Envelope Wrap(Action<TState> callback, TState state)
    {
        if (!typeof(TState).IsValueType)
        {
            return new Envelope(callback, (object?)state);
        }

        if (TravelsInline)
        {
            ulong bits = 0;
            Unsafe.WriteUnaligned(ref Unsafe.As<ulong, byte>(ref bits), state);
            return new Envelope(callback, Instance, bits);
        }

        return new Envelope(new Boxed(callback, state), Instance);
    }

    public override void Invoke(in Envelope envelope)
    {
        if (envelope.Callback is Boxed boxed)
        {
            boxed.Callback(boxed.State);
            return;
        }

        Unsafe.As<Action<TState>>(envelope.Callback)(Unsafe.ReadUnaligned<TState>(ref Unsafe.As<ulong, byte>(ref Unsafe.AsRef(in envelope.Inline))));
    }

    public override string Describe(in Envelope envelope) =>
        CallbackNames.Of(envelope.Callback is Boxed boxed ? boxed.Callback : (Delegate)envelope.Callback);

    /// <summary>A large or reference-holding value-type state with its callback.</summary>
    private sealed record Boxed(Action<TState> Callback, TState State);
}
