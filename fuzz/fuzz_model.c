/* fuzz_model.c - libFuzzer harness for the model-file parser (model_load):
 * any text must give a shape-checked Model or a one-line "NAME:LINE: ..."
 * error, never a crash, an overread or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks a loaded model against the header's promises; aborts otherwise. */
static void check_model(const Model *m)
{
	if (m->G.n < 1 || m->G.n > MODEL_MAX_LAYERS || m->D.n < 1 ||
	    m->D.n > MODEL_MAX_LAYERS)
		abort();
	if (shape_numel(&m->data) <= 0 || shape_numel(&m->latent) <= 0)
		abort();
	if (m->batch <= 0 || memchr(m->text, '\0', sizeof m->text) == NULL)
		abort();
	const NetSpec *nets[2] = { &m->G, &m->D };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < nets[k]->n; i++)
			if (shape_numel(&nets[k]->l[i].out) <= 0)
				abort();
	char buf[64];
	shape_str(&m->data, buf, sizeof buf);
	shape_str(&m->latent, buf, sizeof buf);
}

/* The input is model text; it is NUL-terminated at its first NUL byte or
 * at its end, as a text file read into memory would be. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	Model *m = malloc(sizeof *m);
	if (!text || !m) {
		free(text);
		free(m);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	Err e = {0};
	if (model_load(m, text, "fuzz.model", &e) == 0)
		check_model(m);
	else if (e.code == 0 || e.msg[0] == '\0' || strchr(e.msg, '\n'))
		abort();
	free(text);
	free(m);
	return 0;
}
