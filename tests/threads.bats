#!/usr/bin/env bats
# threads.bats - the CPU results do not depend on --threads: for every preset
# and every batch of 2 to 17, one training step on 1 and 2 threads (and on 3
# for batches 2, 7, 12 and 17) writes the same checkpoint, byte for byte
# (gan-step(1), --threads).

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"

# same_bits PRESET DATA: gan-init PRESET, then for batches 2..17 one step on
# 1 and 2 threads (3 as well every fifth batch); fails naming the first batch
# whose checkpoints differ.
same_bits() {
	gan-init "$1" --seed 3 -o ck.st
	for b in $(seq 2 17); do
		threads="1 2"
		[ $(( b % 5 )) -eq 2 ] && threads="1 2 3"
		for t in $threads; do
			gan-step ck.st --data "$2" --batch "$b" --steps 1 --threads "$t" \
				--device cpu -o "b$t.st" 2>/dev/null
			[ "$t" -eq 1 ] || cmp b1.st "b$t.st" ||
				{ echo "$1 batch $b: 1 and $t threads differ"; return 1; }
		done
	done
}

@test "threads: gaussian2d, gaussian1d and gaussian1d-mbd, batches 2-17" {
	scratch
	gan-data gaussian2d -n 40 --seed 1 -o g2.npy
	gan-data gaussian1d -n 40 --seed 1 -o g1.npy
	same_bits gaussian2d g2.npy
	same_bits gaussian1d g1.npy
	same_bits gaussian1d-mbd g1.npy
}

@test "threads: dcgan-mnist, batches 2-17" {
	scratch
	py 'np.save(sys.argv[1], np.random.default_rng(5).integers(0, 256, (17, 1, 28, 28), dtype=np.uint8))' m.npy
	same_bits dcgan-mnist m.npy
}

@test "threads: dcgan64, batches 2-17" {
	scratch
	py 'np.save(sys.argv[1], np.random.default_rng(6).integers(0, 256, (17, 3, 64, 64), dtype=np.uint8))' d.npy
	same_bits dcgan64 d.npy
}
