// The call's microphone capture (an AudioWorklet), served from the app's own origin:
// the CSP allows scripts from 'self' only, so the SDK's worklet (loaded from a blob: URL) cannot run.
// Averages the input down to 16 kHz mono and posts 100 ms Float32 blocks to the page.
class StewardCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / 16000;
    this.acc = 0;
    this.count = 0;
    this.phase = 0;
    this.block = new Float32Array(1600);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.acc += channel[i];
      this.count++;
      this.phase += 1;
      if (this.phase >= this.ratio) {
        this.phase -= this.ratio;
        this.block[this.filled++] = this.acc / this.count;
        this.acc = 0;
        this.count = 0;
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block.slice());
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("steward-capture", StewardCapture);
