using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// Builds and runs the envelopes of <see cref="LoopActor.Post{TState}(Action{TState}, TState)"/>. Reference-type state
/// travels in <see cref="Envelope.State"/> as is; value-type state travels with its callback in a
/// <see cref="StateBox{TState}"/> that the pool hands out again once the callback has run, with this invoker in
/// <see cref="Envelope.State"/> — no allocation per post in steady state, whatever the struct's size.
/// </summary>
internal sealed class StateInvoker<TState> : EnvelopeInvoker
{
    /// <summary>The one instance per state type.</summary>
    public static readonly StateInvoker<TState> Instance = new();

    private StateInvoker() { }

    /// <summary>Builds the envelope for <paramref name="callback"/> and <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Envelope Wrap(Action<TState> callback, TState state)
    {
        if (!typeof(TState).IsValueType)
        {
            return new Envelope(callback, (object?)state);
        }

        var box = StateBox<TState>.Rent();
        box.Callback = callback;
        box.State = state;
        return new Envelope(box, Instance);
    }

    /// <summary>Runs a boxed state's callback; the box goes back to the pool only if the callback returned (a fault's report still names it).</summary>
    public override void Invoke(in Envelope envelope)
    {
        var box = Unsafe.As<StateBox<TState>>(envelope.Callback);
        box.Callback!(box.State);
        box.Recycle();
    }

    public override string Describe(in Envelope envelope) =>
        envelope.Callback is StateBox<TState> { Callback: { } callback } ? CallbackNames.Of(callback) : typeof(Action<TState>).Name;
}
